from redlane.cli import main

main()

"""redlane.feeds"""

"""redlane.engine"""

"""redlane.store"""

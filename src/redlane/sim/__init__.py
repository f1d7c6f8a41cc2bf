"""redlane.sim"""

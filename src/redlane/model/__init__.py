"""redlane.model"""

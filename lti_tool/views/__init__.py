"""Blueprints: one per audience (learner, instructor, public)."""

"""kibitz.training"""

"""kibitz.assets"""

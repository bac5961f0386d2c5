"""kibitz.gui"""

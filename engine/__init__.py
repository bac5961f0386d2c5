"""kibitz.engine"""

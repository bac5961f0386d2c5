"""Maia-1, the prior kibitz served before Maia-3: kept only as a reference the accuracy bench
reports beside Maia-3 (its best band chosen on the test games, an oracle), run in torch straight
from CSSLab's ``.pb.gz`` nets in ``../shared/maia`` - nothing of it ships in the app.

``moves`` is lc0's 1,858-move policy order, ``features`` lc0's 112 input planes, ``net`` the
network itself; :func:`oracle_scores` scores players' moves under every band.
"""

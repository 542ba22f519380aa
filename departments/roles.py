"""The tracker's roles, as Django groups.

Unit staff are not a group: a user is staff of the units they hold a
Membership of. The other roles are groups; tasks/apps.py gives them their
permissions after every migrate, so no one sets them up by hand.
"""

COORDINATOR = "协调人"
VIEWER = "查看"
AUDITOR = "审计员"
ADMIN = "管理员"
SECURITY_ADMIN = "安全管理员"

# 三员分立: system administration, security administration (accounts, roles,
# lockouts) and audit are held by three different accounts
# (security/duties.py enforces it).
SEPARATED = (ADMIN, SECURITY_ADMIN, AUDITOR)

"""Running SkillCert: operator accounts, the audit log, health figures."""

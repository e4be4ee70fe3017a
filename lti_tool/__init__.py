"""SkillCert: the LTI 1.3 web tool."""

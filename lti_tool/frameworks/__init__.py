"""Institutions' own competency frameworks: CASE 1.1 import, the mapping of SkillCert's
competencies to their items, and that mapping's export."""

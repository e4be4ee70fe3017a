"""Organisation reports: completion above one course, for district and institution
administrators (the whole deployment) and course administrators (their course)."""

"""The assessment engine: content, scoring, policies. Imports neither Flask nor SQLAlchemy."""

"""Statistics: campaign reports, the live dashboard, case statistics and the press-release text."""

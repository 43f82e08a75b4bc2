"""Never built (an ofiuco test fixture)."""

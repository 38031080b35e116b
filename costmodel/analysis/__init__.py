"""Questions asked of the engine: lever-by-lever savings and scenario comparisons."""

"""Stock levels of a small shop."""


def restock(levels, item, amount):
    """Add amount of item to levels and return the new level."""
    levels[item] = levels.get(item, 0) + amount
    return levels[item]


def sell(levels, item, amount):
    """Remove amount of item from levels and return the new level."""
    levels[item] = levels[item] - amount
    return levels[item]

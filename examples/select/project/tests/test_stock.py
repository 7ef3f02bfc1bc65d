from shop.stock import restock, sell


def test_restock():
    levels = {}
    assert restock(levels, "tea", 3) == 3


def test_sell():
    levels = {"tea": 3}
    assert sell(levels, "tea", 2) == 1

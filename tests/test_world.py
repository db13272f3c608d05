def test_world(world):
    assert world.center.name == "吉林省政府采购中心"
    assert world.user(world.center).username == "zhongxin"
    assert world.supplier.sme_size == "small"
    assert world.user(world.supplier).username == "gongying"
    v = world.user(world.finance, role="viewer")
    assert v.username == "caizheng_viewer"
    us = world.units(3, people=True)
    assert [u.unit_code for u in us] == ["80100005", "80100006", "80100007"]
    c = world.client_for(world.center)
    assert c.get("/center/").status_code == 200
    from tests.world import world_build
    w2 = world_build()
    assert w2.user(w2.center).username == "zhongxin_2"
    assert world.province_unit.supervising_unit_id == world.province_unit.pk

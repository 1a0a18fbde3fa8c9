"""The expert network's communities, roles and profiles (docs/api.md "Expert network (EXP)", EXP-1, EXP-7)."""

import pytest

from experts_helpers import API, Network, grant, make_community, make_moderator, roles_in
from veche_harness import expect, expect_error, uniq


def test_only_moderators_create_communities_and_slugs_are_unique(admin_client, make_user):
    user = make_user()
    expect_error(user.post(f"{API}/communities", json={"slug": "x-" + uniq("s").lower(), "title": "X"}), 403)
    mod = make_moderator(admin_client, make_user)
    c = make_community(mod, title="Ремонт оборудования", description="<b>жирный</b>", sections=["feed", "events"])
    assert c["title"] == "Ремонт оборудования"
    assert c["description"] == "<b>жирный</b>"  # kept as text; clients render it as text
    assert c["sections"] == ["feed", "events"]
    assert c["visibility"] == "all" and c["subscribers"] == 0 and c["my_roles"] == []
    expect_error(mod.post(f"{API}/communities", json={"slug": c["slug"], "title": "Again"}), 409, "slug_taken")
    expect_error(mod.post(f"{API}/communities", json={"title": "No slug"}), 422, "field_required")
    expect_error(mod.post(f"{API}/communities", json={"slug": "ok-" + uniq("s").lower()}), 422, "field_required")
    expect_error(mod.post(f"{API}/communities", json={"slug": "Bad Slug", "title": "T"}), 422, "invalid_slug")
    expect_error(mod.post(f"{API}/communities", json={"slug": "s" + uniq("s").lower(), "title": "T",
                                                       "sections": ["nope"]}), 422, "unknown_section")
    expect_error(mod.post(f"{API}/communities", json={"slug": "s" + uniq("s").lower(), "title": "x" * 201}), 400)
    expect_error(mod.post(f"{API}/communities", json={"slug": "s" + uniq("s").lower(), "title": "T",
                                                       "visibility": "secret"}), 422, "invalid_visibility")
    listed = expect(user.get(f"{API}/communities"), 200)["communities"]
    assert c["id"] in [x["id"] for x in listed]


def test_members_only_community_is_invisible_to_outsiders(admin_client, make_user):
    net = Network(admin_client, make_user, visibility="members")
    c = net.community
    outsider, member = make_user(), make_user()
    assert c["id"] not in [x["id"] for x in expect(outsider.get(f"{API}/communities"), 200)["communities"]]
    expect_error(outsider.get(f"{API}/communities/{c['id']}"), 404, "community_not_found")
    expect_error(outsider.post(f"{API}/communities/{c['id']}/subscription"), 404, "community_not_found")
    expect_error(outsider.get(f"{API}/communities/{c['id']}/members"), 404, "community_not_found")
    # the curator sees it and brings a member in
    assert expect(net.curator.get(f"{API}/communities/{c['id']}"), 200)["my_roles"] == ["curator"]
    expect(net.curator.post(f"{API}/communities/{c['id']}/subscription", json={"user_id": member.id}), 200)
    seen = expect(member.get(f"{API}/communities/{c['id']}"), 200)
    assert seen["subscribed"] is True and seen["subscribers"] == 1
    # an ordinary member cannot subscribe someone else
    expect_error(member.post(f"{API}/communities/{c['id']}/subscription", json={"user_id": outsider.id}), 403)
    expect(member.delete(f"{API}/communities/{c['id']}/subscription"), 200)
    expect_error(member.get(f"{API}/communities/{c['id']}"), 404, "community_not_found")


def test_subscribe_unsubscribe_and_members(admin_client, make_user):
    net = Network(admin_client, make_user)
    c = net.community
    a, b = make_user(), make_user()
    assert expect(a.post(f"{API}/communities/{c['id']}/subscription"), 200)["subscribed"] is True
    assert expect(a.post(f"{API}/communities/{c['id']}/subscription"), 200)["subscribers"] == 1  # idempotent
    expect(b.post(f"{API}/communities/{c['id']}/subscription"), 200)
    members = expect(a.get(f"{API}/communities/{c['id']}/members"), 200)["members"]
    by_id = {m["user_id"]: m for m in members}
    assert by_id[a.id]["subscribed"] and by_id[b.id]["subscribed"]
    assert by_id[net.curator.id]["roles"] == ["curator"] and not by_id[net.curator.id]["subscribed"]
    curators = expect(a.get(f"{API}/communities/{c['id']}/members", params={"kind": "curator"}), 200)["members"]
    assert [m["user_id"] for m in curators] == [net.curator.id]
    subs = expect(a.get(f"{API}/communities/{c['id']}/members", params={"kind": "subscriber"}), 200)["members"]
    assert {m["user_id"] for m in subs} == {a.id, b.id}
    page = expect(a.get(f"{API}/communities/{c['id']}/members", params={"limit": "1"}), 200)
    assert len(page["members"]) == 1 and "next_after" in page
    expect_error(a.get(f"{API}/communities/{c['id']}/members", params={"kind": "boss"}), 400)
    assert expect(a.delete(f"{API}/communities/{c['id']}/subscription"), 200)["subscribed"] is False
    me = net.me(b)
    assert any(x["community_id"] == c["id"] and x["subscribed"] for x in me["communities"])


def test_moderator_assigns_roles_audited_and_others_cannot(admin_client, make_user):
    net = Network(admin_client, make_user)
    c = net.community
    user = make_user()
    # neither the curator nor the user may hand out roles
    expect_error(net.curator.put(f"{API}/communities/{c['id']}/roles/{user.id}", json={"role": "expert"}), 403)
    expect_error(user.put(f"{API}/communities/{c['id']}/roles/{user.id}", json={"role": "curator"}), 403)
    member = grant(net.moderator, c, user, "expert")
    assert member["roles"] == ["expert"]
    expect_error(net.moderator.put(f"{API}/communities/{c['id']}/roles/{user.id}", json={"role": "expert"}),
                 409, "already_granted")
    expect_error(net.moderator.put(f"{API}/communities/{c['id']}/roles/{user.id}", json={"role": "king"}),
                 422, "invalid_role")
    expect_error(net.moderator.put(f"{API}/communities/{c['id']}/roles/{user.id}", json={}), 422, "field_required")
    expect_error(net.moderator.put(f"{API}/communities/{c['id']}/roles/999999999999", json={"role": "expert"}),
                 404, "user_not_found")
    assert roles_in(net.me(user), c["id"]) == ["expert"]
    # the grant is a platform grant, scoped to the community, and audited
    grants = expect(admin_client.get(f"/api/v1/admin/users/{user.id}/roles"), 200)["grants"]
    assert any(g["role_name"] == "experts.expert" and g["scope_kind"] == "experts_community"
               and g["scope_id"] == c["id"] and g["granted_by"] == net.moderator.id for g in grants), grants
    audit = expect(admin_client.get("/api/v1/admin/audit", params={"action": "role.granted", "limit": "50"}), 200)
    assert any(e["target_id"] == user.id and e["actor_id"] == net.moderator.id for e in audit["entries"]), audit
    # revoke one role, then 404 for a role not held
    expect(net.moderator.delete(f"{API}/communities/{c['id']}/roles/{user.id}", params={"role": "expert"}), 204)
    assert roles_in(net.me(user), c["id"]) == []
    expect_error(net.moderator.delete(f"{API}/communities/{c['id']}/roles/{user.id}"), 404, "grant_not_found")


def test_moderators_are_appointed_by_admins_and_moderators(admin_client, make_user):
    user, other = make_user(), make_user()
    expect_error(user.put(f"{API}/moderators/{other.id}"), 403)
    expect(admin_client.put(f"{API}/moderators/{user.id}"), 204)
    assert expect(user.get(f"{API}/me"), 200)["moderator"] is True
    expect_error(admin_client.put(f"{API}/moderators/{user.id}"), 409, "already_granted")
    expect(user.put(f"{API}/moderators/{other.id}"), 204)
    expect(user.delete(f"{API}/moderators/{other.id}"), 204)
    assert expect(other.get(f"{API}/me"), 200)["moderator"] is False
    expect_error(user.delete(f"{API}/moderators/{other.id}"), 404, "grant_not_found")
    expect_error(user.put(f"{API}/moderators/999999999999"), 404, "user_not_found")


def test_curator_edits_but_only_moderator_archives(admin_client, make_user):
    net = Network(admin_client, make_user)
    c = net.community
    user = make_user()
    expect_error(user.patch(f"{API}/communities/{c['id']}", json={"title": "Мой"}), 403)
    edited = expect(net.curator.patch(f"{API}/communities/{c['id']}", json={"title": "Безопасность", "sections": ["feed"]}), 200)
    assert edited["title"] == "Безопасность" and edited["sections"] == ["feed"]
    expect_error(net.curator.patch(f"{API}/communities/{c['id']}", json={"archived": True}), 403)
    expect_error(net.curator.patch(f"{API}/communities/{c['id']}", json={"title": ""}), 422, "field_required")
    archived = expect(net.moderator.patch(f"{API}/communities/{c['id']}", json={"archived": True}), 200)
    assert archived["archived_at"] is not None
    expect_error(net.curator.patch(f"{API}/communities/{c['id']}", json={"title": "Снова"}), 409, "community_archived")
    expect_error(user.post(f"{API}/communities/{c['id']}/subscription"), 409, "community_archived")
    assert c["id"] not in [x["id"] for x in expect(user.get(f"{API}/communities"), 200)["communities"]]
    assert c["id"] in [x["id"] for x in expect(user.get(f"{API}/communities", params={"archived": "true"}), 200)["communities"]]


def test_profiles_are_edited_by_their_owner_or_a_moderator(admin_client, make_user):
    net = Network(admin_client, make_user)
    user, other = make_user(), make_user()
    empty = expect(other.get(f"{API}/profiles/{user.id}"), 200)
    assert empty["competences"] == [] and empty["updated_at"] == 0
    p = expect(user.put(f"{API}/profiles/{user.id}", json={
        "competences": ["Гидравлика", {"tag": "  Ремонт НАСОСОВ ", "community_id": net.community["id"]}, "гидравлика"],
        "levels": ["advanced", "basic"], "vacation_until": 1893456000000, "bio": "<script>x</script>"}), 200)
    assert sorted(c["tag"] for c in p["competences"]) == ["гидравлика", "ремонт насосов"]
    assert p["levels"] == ["basic", "advanced"]
    assert p["vacation_until"] == 1893456000000 and p["bio"] == "<script>x</script>"
    seen = expect(other.get(f"{API}/profiles/{user.id}"), 200)
    assert seen["competences"] == p["competences"]
    expect_error(other.put(f"{API}/profiles/{user.id}", json={"bio": "hacked"}), 403)
    cleared = expect(net.moderator.put(f"{API}/profiles/{user.id}", json={"vacation_until": None}), 200)
    assert cleared["vacation_until"] is None and cleared["bio"] == "<script>x</script>"
    expect_error(user.put(f"{API}/profiles/{user.id}", json={"levels": ["guru"]}), 422, "invalid_level")
    expect_error(user.put(f"{API}/profiles/{user.id}", json={"competences": ["x" * 51]}), 422, "invalid_competence")
    expect_error(user.put(f"{API}/profiles/{user.id}", json={"competences": [str(i) for i in range(51)]}), 422)
    expect_error(user.put(f"{API}/profiles/{user.id}", json={"bio": "b" * 2001}), 400)
    expect_error(user.get(f"{API}/profiles/999999999999"), 404, "user_not_found")


def test_guests_have_no_place_in_the_network(admin_client, make_user):
    guest = make_user(role="guest")
    expect_error(guest.get(f"{API}/communities"), 403)
    expect_error(guest.get(f"{API}/me"), 403)

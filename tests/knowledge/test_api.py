"""GET /api/opportunities/{id}/recommendations."""

from salespulse.knowledge.services import promote_objection
from salespulse.pipeline.evidence import record_objection
from tests.knowledge.conftest import resolved_objection


def test_recommendations_endpoint_ranks_lis_track_first(api_as, playbook, workspace):
    opportunity = workspace.opportunities["rep_east1"]
    objection = record_objection(
        actor=opportunity.owner,
        opportunity=opportunity,
        category="compatibility",
        customer_words="设备和现有LIS系统不兼容",
    )
    resolved_objection(workspace.opportunities["rep_north1"], "LIS接口对接不上", hours=5)

    response = api_as(workspace.users["rep_east1"]).get(f"/api/opportunities/{opportunity.pk}/recommendations")
    [entry] = response.json()

    assert response.status_code == 200
    assert entry["objection_id"] == objection.pk
    assert entry["talk_tracks"][0]["id"] == playbook["lis_interface"].pk
    assert entry["colleagues"][0]["origin"]["rep"]["username"] == "rep_north1"
    assert entry["colleagues"][0]["origin"]["customer_name"] is None
    assert entry["colleagues"][0]["origin"]["hours_to_resolve"] == 5.0


def test_recommendations_endpoint_hides_other_reps_deal(api_as, workspace):
    opportunity = workspace.opportunities["rep_north1"]

    response = api_as(workspace.users["rep_east1"]).get(f"/api/opportunities/{opportunity.pk}/recommendations")

    assert response.status_code == 404


def test_promoted_track_origin_hides_other_region_customer_in_api(api_as, workspace):
    case = resolved_objection(workspace.opportunities["rep_north1"], "LIS接口对接不上", hours=5)
    track = promote_objection(actor=workspace.users["ops"], objection=case)
    opportunity = workspace.opportunities["rep_east1"]
    record_objection(
        actor=opportunity.owner, opportunity=opportunity, category="compatibility", customer_words="LIS接口不支持HL7"
    )

    response = api_as(workspace.users["rep_east1"]).get(f"/api/opportunities/{opportunity.pk}/recommendations")
    [entry] = response.json()
    [promoted] = [item for item in entry["talk_tracks"] if item["id"] == track.pk]

    assert promoted["origin"]["rep"]["username"] == "rep_north1"
    assert promoted["origin"]["customer_name"] is None
    assert workspace.customers["rep_north1"].name not in response.content.decode()

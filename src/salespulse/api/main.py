"""The NinjaAPI instance mounted at /api/: routers, authentication, error handlers."""

from ninja import NinjaAPI, Swagger

from salespulse.api.auth import ApiTokenAuth
from salespulse.api.endpoints.analyzer import router as analyzer_router
from salespulse.api.endpoints.customers import router as customers_router
from salespulse.api.endpoints.evidence import router as evidence_router
from salespulse.api.endpoints.health import router as health_router
from salespulse.api.endpoints.knowledge import router as knowledge_router
from salespulse.api.endpoints.opportunities import router as opportunities_router
from salespulse.api.endpoints.pipelines import router as pipelines_router
from salespulse.api.endpoints.rebates import router as rebates_router
from salespulse.api.endpoints.reports import router as reports_router
from salespulse.api.endpoints.signals import router as signals_router
from salespulse.api.endpoints.stage_moves import router as stage_moves_router
from salespulse.api.errors import install_exception_handlers

# The docs page loads Swagger UI from Ninja's own static files ("ninja" is in
# INSTALLED_APPS), never from a CDN, so it works on machines without internet access.
api = NinjaAPI(
    title="SalesPulse API",
    version="1",
    description=(
        "Customers, opportunities and their stage history, stage moves with stage gates, "
        "evidence (objections and attachments), pipeline templates and the fake-progress "
        "report, limited to what the token's user may see. Authenticate with `Authorization: Bearer TOKEN`; create a "
        "token with `salespulse token create USERNAME`."
    ),
    auth=ApiTokenAuth(),
    # validatorUrl None: Swagger UI would otherwise call an online validator for a badge.
    docs=Swagger(settings={"persistAuthorization": True, "validatorUrl": None}),
    urls_namespace="api",
)
install_exception_handlers(api)

api.add_router("/customers", customers_router)
# The stage-move routes come first: "/opportunities/bulk-move" would otherwise match the
# "/opportunities/{opportunity_id}" route, which takes any text as the id.
api.add_router("/opportunities", stage_moves_router)
api.add_router("/opportunities", opportunities_router)
api.add_router("/opportunities", evidence_router)
api.add_router("/opportunities", knowledge_router)
api.add_router("/pipelines", pipelines_router)
api.add_router("/reports", reports_router)
api.add_router("/rebates", rebates_router)
api.add_router("/analyzer", analyzer_router)
api.add_router("/signals", signals_router)
api.add_router("/analytics", health_router)

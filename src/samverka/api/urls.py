"""The API object, mounted at /api/v1/; each app contributes its own router (``<app>/api.py``)."""

from ninja import NinjaAPI

from samverka.actors.api import router as actors_router
from samverka.api import errors
from samverka.api.docs import SwaggerDocs
from samverka.api.parser import StrictJSONParser
from samverka.clusters.api import router as clusters_router
from samverka.clusters.staircase_api import router as staircase_router
from samverka.core.audit_api import router as audit_router
from samverka.events.api import router as events_router
from samverka.events.registrations_api import router as registrations_router
from samverka.geo.api import router as geo_router
from samverka.indicators.api import router as indicators_router
from samverka.knowledge.api import router as knowledge_router
from samverka.matchmaking.api import router as matchmaking_router
from samverka.network.api import router as network_router
from samverka.newsletters.api import router as newsletters_router
from samverka.programmes.api import router as programmes_router
from samverka.scanning.api import router as scanning_router
from samverka.sluice.api import router as sluice_router

DESCRIPTION = """\
Read and maintain Samverka's directory of green clusters and the organisations in them, and the
programme and project database: programmes with their structure, calls, applications/projects with
financing, assessments and decisions, and the budget report.

Reading is open to everyone. Writes need a personal API token, sent as
`Authorization: Bearer smv_…` (create one with `samverka token create USERNAME`), or the session
of a logged-in user together with the CSRF token; and the same permissions as in the web
interface (a cluster manager changes only their own clusters; programme officers run calls and
decide; assessors change only their own assessments; applicants only their own drafts).

Errors are JSON: `{"detail": "a readable message"}`, and for invalid data also
`"errors": {"field": ["message", …]}` with status 422.
"""

api = NinjaAPI(
    title="Samverka API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=SwaggerDocs(),
    parser=StrictJSONParser(),
)
errors.install(api)

api.add_router("/", clusters_router)
api.add_router("/", actors_router)
api.add_router("/", geo_router)
api.add_router("/", programmes_router)
api.add_router("/", indicators_router)
api.add_router("/", network_router)
api.add_router("/", staircase_router)
api.add_router("/", events_router)
api.add_router("/", registrations_router)
api.add_router("/", newsletters_router)
api.add_router("/", scanning_router)
api.add_router("/", knowledge_router)
api.add_router("/", sluice_router)
api.add_router("/", audit_router)
api.add_router("/", matchmaking_router)

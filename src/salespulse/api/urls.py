from django.urls import path, re_path

from salespulse.api.errors import not_found_response
from salespulse.api.main import api

urlpatterns = [
    path("", api.urls),
    # Any other path under /api/ answers with the API's JSON 404, not the HTML page.
    re_path(r"^.*$", not_found_response, name="not_found"),
]

"""Customer endpoints: list with search and pagination, and detail."""

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from salespulse.api.schemas import CustomerDetailOut, CustomerOut, ErrorOut
from salespulse.core.errors import NotFound
from salespulse.crm.models import Customer
from salespulse.crm.selectors import visible_customers

router = Router(tags=["customers"])


def _customers(request: HttpRequest) -> QuerySet[Customer]:
    return visible_customers(request.auth).select_related("channel", "tier", "region", "owner")


@router.get("", response=list[CustomerOut], summary="List customers")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_customers(request: HttpRequest, q: str = "") -> QuerySet[Customer]:
    """Customers the caller may see, by name. ``q`` matches name, short name,
    external id or city (case-insensitive substring)."""
    customers = _customers(request)
    term = q.strip()
    if term:
        customers = customers.filter(
            Q(name__icontains=term)
            | Q(short_name__icontains=term)
            | Q(external_id__icontains=term)
            | Q(city__icontains=term)
        )
    return customers.order_by("name", "id")


@router.get(
    "/{customer_id}", response={200: CustomerDetailOut, 404: ErrorOut}, summary="Get a customer"
)
def get_customer(request: HttpRequest, customer_id: int) -> Customer:
    """One customer; 404 also when it exists but belongs to someone the caller may not see."""
    customer = _customers(request).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(
            "customer_not_found",
            _("Customer %(id)s was not found, or you may not see it.") % {"id": customer_id},
            field="customer_id",
        )
    return customer

"""Every table, imported in one place so ``metadata`` is complete for Alembic."""

from sqlmodel import SQLModel

from server.accounts.models import AuthSession, LoginFailure, Region, Team, User
from server.audit.models import AuditEntry
from server.catalog.models import CompetitorSku, Material, MaterialAllocation, Sku
from server.claims.models import BudgetPool, ClaimReview, PhotoHash, Promotion
from server.insights.models import Delivery, PotentialModel, ShelfCount, StorePotential, VisitFact
from server.jobs.models import Job
from server.replication.models import BlobHolder, BlobMeta, BlobRef, SyncChange, SyncCounter, SyncDevice, SyncRecord
from server.review.models import DayConfirmation, KeyAction, VisitReview
from server.stores.models import Store
from server.visits.models import VisitTemplate

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry",
    "AuthSession",
    "BlobHolder",
    "BlobMeta",
    "BlobRef",
    "BudgetPool",
    "ClaimReview",
    "CompetitorSku",
    "DayConfirmation",
    "Delivery",
    "Job",
    "KeyAction",
    "LoginFailure",
    "Material",
    "MaterialAllocation",
    "PhotoHash",
    "PotentialModel",
    "Promotion",
    "Region",
    "ShelfCount",
    "Sku",
    "Store",
    "StorePotential",
    "SyncChange",
    "SyncCounter",
    "SyncDevice",
    "SyncRecord",
    "Team",
    "User",
    "VisitFact",
    "VisitReview",
    "VisitTemplate",
    "metadata",
]

from django.contrib import admin

from salespulse.imports.models import ColumnMapping, ImportBatch, StageMapping


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "file_name",
        "status",
        "created_by",
        "created_at",
        "created_count",
        "updated_count",
        "rejected_count",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "name", "updated_at"]


@admin.register(StageMapping)
class StageMappingAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pipeline", "updated_at"]

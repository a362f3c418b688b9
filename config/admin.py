"""What the admins of several apps share."""


class AdministratorsOnly:
    """A model for the administrators alone, whatever permissions a group was given (API keys and their call
    log with the callers' addresses, background jobs)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class ReadOnly:
    """Rows written by the code alone (boundaries of a generation, the audit trail): nobody adds, edits or
    deletes one in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

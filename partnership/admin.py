from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .forms import AdminSignInForm
from .models import Membership, Organisation, User

# The admin's sign-in goes through the same throttle as everyone else's.
admin.site.login_form = AdminSignInForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class UserChangeByEmailForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserCreationByEmailForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeByEmailForm
    add_form = UserCreationByEmailForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "country", "region", "sector"]
    list_filter = ["country", "sector"]
    search_fields = ["name", "ods_code", "region"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "side", "role"]
    list_filter = ["side", "role", "organisation"]
    search_fields = ["user__email", "organisation__name", "organisation__ods_code"]
    autocomplete_fields = ["user", "organisation"]

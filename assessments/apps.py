from django.apps import AppConfig
from django.db.models.signals import post_save, pre_delete


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from partnership.models import NetworkOrganisation

        from .rollup import counts

        # Joining or leaving a network changes what the network's pre-aggregated gap map counts.
        post_save.connect(counts.membership_saved, sender=NetworkOrganisation)
        pre_delete.connect(counts.membership_deleted, sender=NetworkOrganisation)

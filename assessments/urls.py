from django.urls import path

from .crosswalks import views as crosswalks
from .rollup import views as rollup
from .surveys import views as surveys
from .views import actions, checklist, cycle, evidence, home, joint, reports, signoff

app_name = "assessments"

urlpatterns = [
    path("", home.home, name="home"),
    path("frameworks/", home.framework_list, name="frameworks"),
    path("frameworks/<uuid:pk>/", home.framework_detail, name="framework"),
    # The checklist
    path("assessments/new/", checklist.start_assessment, name="start"),
    path("assessments/<uuid:pk>/", checklist.overview, name="assessment"),
    path("assessments/<uuid:pk>/criteria/", checklist.criteria_list, name="criteria"),
    path(
        "assessments/<uuid:pk>/standards/<uuid:standard_pk>/",
        checklist.standard_page,
        name="standard",
    ),
    path(
        "assessments/<uuid:pk>/responses/<uuid:response_pk>/",
        checklist.criterion_page,
        name="criterion",
    ),
    path("assessments/<uuid:pk>/next-cycle/", cycle.next_cycle, name="next_cycle"),
    path("assessments/<uuid:pk>/carry-over/", crosswalks.carry_over, name="carry_over"),
    path("assessments/<uuid:pk>/carry-over.csv", crosswalks.carry_over_csv, name="carry_over_csv"),
    path("guide/four-countries/", crosswalks.guide, name="guide"),
    path("guide/four-countries.pdf", crosswalks.guide_pdf, name="guide_pdf"),
    # Evidence
    path("responses/<uuid:response_pk>/files/", evidence.upload_file, name="upload_file"),
    path("files/<uuid:pk>/", evidence.download_file, name="download_file"),
    path("files/<uuid:pk>/remove/", evidence.remove_file, name="remove_file"),
    path("responses/<uuid:response_pk>/links/", evidence.add_link, name="add_link"),
    path("links/<uuid:pk>/remove/", evidence.remove_link, name="remove_link"),
    # Joint recording: per criterion
    path("responses/<uuid:response_pk>/submit/", joint.submit, name="submit"),
    path("responses/<uuid:response_pk>/staff-sign/", joint.staff_sign, name="staff_sign"),
    path("responses/<uuid:response_pk>/staff-rating/", joint.staff_rating, name="staff_rating"),
    path("responses/<uuid:response_pk>/comments/", joint.comment, name="comment"),
    path("signatures/<uuid:pk>/verify/", joint.verify, name="verify"),
    # Joint recording: the whole assessment
    path("waiting/", signoff.waiting, name="waiting"),
    path("assessments/<uuid:pk>/sign-off/", signoff.sign_off, name="sign_off"),
    path("assessments/<uuid:pk>/reopen/", signoff.request_reopen, name="reopen"),
    path("assessments/<uuid:pk>/reopen/confirm/", signoff.confirm_reopen, name="reopen_confirm"),
    path("assessments/<uuid:pk>/reopen/withdraw/", signoff.withdraw_reopen, name="reopen_withdraw"),
    path("assessments/<uuid:pk>/history/", signoff.history, name="history"),
    # Scoring and reports
    path("assessments/<uuid:pk>/report/", reports.scored_report, name="report"),
    path("assessments/<uuid:pk>/report.pdf", reports.scored_report_pdf, name="report_pdf"),
    path("assessments/<uuid:pk>/board-report/", reports.board_report, name="board_report"),
    path(
        "assessments/<uuid:pk>/board-report.pdf", reports.board_report_pdf, name="board_report_pdf"
    ),
    path("assessments/<uuid:pk>/export.csv", reports.export_csv, name="export_csv"),
    path("assessments/<uuid:pk>/export.xlsx", reports.export_xlsx, name="export_xlsx"),
    # Joint action plans
    path("assessments/<uuid:pk>/action-plan/", actions.action_plan, name="action_plan"),
    path("assessments/<uuid:pk>/action-plan/actions/new/", actions.add_action, name="action_add"),
    path("assessments/<uuid:pk>/action-plan/sign/", actions.sign_plan, name="plan_sign"),
    path("assessments/<uuid:pk>/action-plan.pdf", actions.action_plan_pdf, name="action_plan_pdf"),
    path("assessments/<uuid:pk>/action-plan.csv", actions.action_plan_csv, name="action_plan_csv"),
    path(
        "assessments/<uuid:pk>/action-plan.xlsx", actions.action_plan_xlsx, name="action_plan_xlsx"
    ),
    path("actions/<uuid:pk>/", actions.action_detail, name="action"),
    path("actions/<uuid:pk>/edit/", actions.edit_action, name="action_edit"),
    path("actions/<uuid:pk>/remove/", actions.remove_action, name="action_remove"),
    path("actions/<uuid:pk>/updates/", actions.post_update, name="action_update"),
    path("plan-signatures/<uuid:pk>/verify/", actions.verify_plan_signature, name="plan_verify"),
    path(
        "organisations/<uuid:organisation_pk>/actions/",
        actions.organisation_actions,
        name="organisation_actions",
    ),
    # Networks: roll-ups across member organisations
    path("networks/<slug:slug>/", rollup.coverage, name="network"),
    path("networks/<slug:slug>/gaps/", rollup.gaps, name="network_gaps"),
    path("networks/<slug:slug>/needs-help/", rollup.needs_help, name="network_help"),
    path("networks/<slug:slug>/machinery/", rollup.machinery, name="network_machinery"),
    path("networks/<slug:slug>/thresholds/", rollup.thresholds, name="network_thresholds"),
    path("networks/<slug:slug>/support/<uuid:pk>/", rollup.offer_support, name="network_offer"),
    path("networks/<slug:slug>/compare/<uuid:pk>/", rollup.compare, name="network_compare"),
    path("networks/<slug:slug>/audit.pdf", rollup.audit_pdf, name="network_audit_pdf"),
    path("networks/<slug:slug>/coverage.csv", rollup.coverage_csv, name="network_coverage_csv"),
    path("networks/<slug:slug>/coverage.xlsx", rollup.coverage_xlsx, name="network_coverage_xlsx"),
    path("networks/<slug:slug>/gaps.csv", rollup.gaps_csv, name="network_gaps_csv"),
    path("networks/<slug:slug>/gaps.xlsx", rollup.gaps_xlsx, name="network_gaps_xlsx"),
    # Surveys
    path("organisations/<uuid:organisation_pk>/surveys/", surveys.survey_list, name="surveys"),
    path(
        "organisations/<uuid:organisation_pk>/surveys/new/",
        surveys.open_round,
        name="survey_open",
    ),
    path("surveys/<uuid:pk>/", surveys.round_detail, name="survey"),
    path("surveys/<uuid:pk>/answer/", surveys.answer_as_member, name="survey_answer"),
    path("surveys/<uuid:pk>/remind/", surveys.remind, name="survey_remind"),
    path("surveys/<uuid:pk>/close/", surveys.close, name="survey_close"),
    path("surveys/<uuid:pk>/results/", surveys.results, name="survey_results"),
    path("surveys/<uuid:pk>/results.pdf", surveys.results_pdf, name="survey_results_pdf"),
    path("surveys/<uuid:pk>/results.csv", surveys.results_csv, name="survey_results_csv"),
    path("surveys/<uuid:pk>/actions/new/", surveys.add_action, name="survey_action"),
    path("survey-link/<str:token>/", surveys.answer_by_link, name="survey_link"),
    path("survey-link-thanks/", surveys.thanks, name="survey_thanks"),
    path("networks/<slug:slug>/surveys/", surveys.network_results, name="network_surveys"),
    path(
        "networks/<slug:slug>/surveys/new/", surveys.open_network_round, name="network_survey_open"
    ),
]

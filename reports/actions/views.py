"""Action plan pages for owner, HR, site managers and team leads (staff: 403).

An action the user may not see (another organization, another site or team) is
a 404; scoping is ``selectors.visible_actions``.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from workforce.permissions import MANAGERS, role_required
from workforce.recognition.dates import organization_today

from . import selectors, services
from .forms import ActionPlanForm, StatusFilterForm


@role_required(*MANAGERS)
def action_list(request):
    form = StatusFilterForm(request.GET or None)
    actions = selectors.visible_actions(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        actions = actions.filter(status=form.cleaned_data["status"])
    return render(request, "actions/list.html", {"form": form, "actions": actions})


def _save(request, form, action=None):
    """Call the service with the form's data; errors go back onto the form."""
    data = {
        name: form.cleaned_data.get(name)
        for name in ("title", "team", "site", "measure", "start_date", "owner")
    }
    data.update(
        status=form.cleaned_data["status"], notes=form.cleaned_data["notes"] or ""
    )
    try:
        if action is None:
            return services.action_create(user=request.user, **data)
        return services.action_update(action=action, user=request.user, **data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
    return None


@role_required(*MANAGERS)
def action_new(request):
    form = ActionPlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        action = _save(request, form)
        if action is not None:
            messages.success(request, _("Action saved."))
            return redirect("actions:detail", action.pk)
    return render(request, "actions/form.html", {"form": form, "action": None})


@role_required(*MANAGERS)
def action_edit(request, action_id):
    action = get_object_or_404(selectors.visible_actions(request.user), pk=action_id)
    form = ActionPlanForm(
        request.POST or None,
        user=request.user,
        initial=ActionPlanForm.initial_for(action),
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, action)
        if saved is not None:
            messages.success(request, _("Action saved."))
            return redirect("actions:detail", saved.pk)
    return render(request, "actions/form.html", {"form": form, "action": action})


@role_required(*MANAGERS)
def action_detail(request, action_id):
    action = get_object_or_404(selectors.visible_actions(request.user), pk=action_id)
    measured = selectors.action_measured_impact(
        action, today=organization_today(request.user.organization)
    )
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "measured": measured,
            "teams": selectors.action_teams(action),
        },
    )

"""The forms' attribute writer (workflow_app.forms.html_params) writes what WTForms' own writes,
for any attributes: it replaces it in every widget, so a difference would change every form."""
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import SelectField, StringField
from wtforms.widgets import core

from workflow_app.forms import Form, html_params

NAMES = st.sampled_from(["value", "class_", "id", "for_", "data_testid", "aria_describedby", "selected", "disabled",
                         "placeholder", "name", "type", "inputmode", "x<y", 'q"'])
VALUES = st.one_of(st.booleans(), st.integers(), st.text(), st.text().map(Markup),
                   st.sampled_from(['a"b', "<script>", "&amp;", "Xã Mỹ Cẩm", Markup('<b title="x">'), 0, 2024]))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=6))
def test_the_same_attributes_as_wtforms_writes(attributes):
    ours = html_params(**attributes)
    assert isinstance(ours, Markup) and ours == html_params.library(**attributes)


def test_every_widget_writes_through_it(app):
    assert core.html_params is html_params and core.Input.html_params is html_params

    class Filter(Form):
        class Meta:
            csrf = False

        q = StringField("q")
        state = SelectField("state", choices=[("", "—"), ("draft", 'Dự "thảo"'), ("a&b", "<b>")])

    with app.test_request_context("/?state=a%26b&q=%22x%22") as context:
        form = Filter(context.request.args)
        assert str(form.q(class_="form-control")) == '<input class="form-control" id="q" name="q" type="text" value="&#34;x&#34;">'
        assert str(form.state()) == ('<select id="state" name="state"><option value="">—</option>'
                                     '<option value="draft">Dự &#34;thảo&#34;</option>'
                                     '<option selected value="a&amp;b">&lt;b&gt;</option></select>')

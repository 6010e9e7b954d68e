"""Forms shared by several areas. Labels and messages are in plain words."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class StaffSignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code."), Length(min=6, max=8)],
    )


class TurnOnCodeForm(CodeForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


class ReplaceCodeForm(TurnOnCodeForm):
    current_code = StringField(
        "Code from the app you use now",
        validators=[DataRequired("Enter the code your current app shows."), Length(min=6, max=8)],
    )


def choices(pairs: list[tuple[str, str]]) -> list:
    """(value, label) pairs for a RadioField or SelectField, as each WTForms version wants
    them (3.3 warns about plain tuples)."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms before 3.3
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value: str | None) -> str | None:
    """Phones often add a space after a word picked from the keyboard's suggestions."""
    return value.strip() if isinstance(value, str) else value


class EmailForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.com."),
        ],
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password.")])
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password again."),
            EqualTo("password", "The two passwords are different."),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class SignedNameForm(FlaskForm):
    """Signing with one's full name: the versions the page showed (`signing.shown_key`), and
    the name typed."""

    shown = HiddenField()
    signed_name = StringField(
        "Your full name",
        filters=[strip],
        validators=[
            DataRequired("Type your full name to sign."),
            Length(min=2, max=200, message="Type your full name, as you would sign it."),
        ],
    )

"""Running the portal: backups and restores, used by the `esafety` command and never by the
web app. Operations may use models, db and services; only the command imports them."""

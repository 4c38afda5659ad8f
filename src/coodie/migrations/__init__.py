"""Schema migrations: versioned files, generated from the models, safe to run from many
deployers at once. See docs/migrations.md; the `coodie migrate` command drives them."""

from __future__ import annotations

from coodie.ddl import SchemaChange as SchemaChange
from coodie.exceptions import MigrationChecksumError as MigrationChecksumError
from coodie.exceptions import MigrationError as MigrationError
from coodie.exceptions import MigrationLockError as MigrationLockError
from coodie.migrations.autogen import Generated as Generated
from coodie.migrations.context import AsyncMigrationContext as AsyncMigrationContext
from coodie.migrations.context import MigrationContext as MigrationContext
from coodie.migrations.files import BASE as BASE
from coodie.migrations.files import Migration as Migration
from coodie.migrations.files import load_migrations as load_migrations
from coodie.migrations.runner import STATE_TABLE as STATE_TABLE
from coodie.migrations.runner import AsyncMigrator as AsyncMigrator
from coodie.migrations.runner import MigrationStatus as MigrationStatus
from coodie.migrations.runner import Migrator as Migrator
from coodie.migrations.runner import RunResult as RunResult

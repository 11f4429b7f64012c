// Package processtest tests socialrx the way it runs in production: each part its own process,
// built from its cmd, replicas side by side, against a database process that tests stop and
// restart. Its tests cover what only real processes show: readiness when the database goes away,
// calls that fail fast, recovery without restart, and rolling restarts under load.
package processtest

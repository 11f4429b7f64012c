package config

import (
	"fmt"
	"io"
	"log/slog"
)

// Log configures a binary's logger: structured JSON at a level.
type Log struct {
	Level string
}

// RegisterFlags registers LOG_LEVEL.
func (c *Log) RegisterFlags(l *Loader) {
	l.String(&c.Level, "log-level", "LOG_LEVEL", "info", "log level: debug, info, warn, error")
}

// Logger returns a JSON logger writing to w at the configured level.
func (c Log) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL=%q: not one of debug, info, warn, error", c.Level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})), nil
}

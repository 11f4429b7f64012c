// Package web is socialrx's browser front end: server-rendered pages (html/template) for the
// public listing of Human Connection events, registration with a private cancel link, iCalendar
// feeds, and the directory of member centres and programmes.
//
// Pages call the services over gRPC as the person using them (see Session), work without
// JavaScript, embed their few static assets, and speak English and French from catalogues built
// in Go (see messages.go). Every form carries a CSRF token; every response carries a strict
// Content-Security-Policy.
//
// html/template rather than templ: it needs no generate step, so `make run` still needs only Go.
package web

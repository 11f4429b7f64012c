package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// assets serves the embedded static files. Pages link them with a content hash in the query
// ("/static/site.css?v=ab12…"), so browsers may keep them for a year and still never run a stale
// copy after an upgrade.
type assets struct {
	files   map[string][]byte
	version map[string]string
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string][]byte{}, version: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.files[p] = b
		a.version[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static assets: %w", err)
	}
	return a, nil
}

// URL is the versioned address of an asset, e.g. "/static/site.css?v=…".
func (a *assets) URL(name string) string {
	return "/static/" + name + "?v=" + a.version[name]
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	b, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	if r.URL.Query().Get("v") == a.version[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+a.version[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.version[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(b)
}

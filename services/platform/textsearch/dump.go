package textsearch

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"
)

// Dump writes a consistent copy of the index (bleve's online copy of its current segments) to w
// as a tar archive, for a snapshot to store beside the documents the index was built from.
// Batches may go on meanwhile; the copy holds the state of the moment Dump began.
func (ix *Index) Dump(w io.Writer) error {
	tmp, err := os.MkdirTemp("", "socialrx-search-dump-")
	if err != nil {
		return fmt.Errorf("dump search index: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	copyable, ok := ix.Index.(bleve.IndexCopyable)
	if !ok {
		return errors.New("dump search index: the index cannot be copied")
	}
	if err := copyable.CopyTo(directory(tmp)); err != nil {
		return fmt.Errorf("dump search index: %w", err)
	}
	tw := tar.NewWriter(w)
	err = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(tmp, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return fmt.Errorf("dump search index: %w", err)
	}
	return nil
}

// Restore opens an index from an archive Dump wrote, in a scratch directory of its own like
// NewIndex's. The schema travels with the archive.
func Restore(r io.Reader) (*Index, error) {
	dir, err := os.MkdirTemp("", "socialrx-search-")
	if err != nil {
		return nil, fmt.Errorf("restore search index: %w", err)
	}
	path := filepath.Join(dir, "index")
	bi, err := restore(r, path)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("restore search index: %w", err)
	}
	return &Index{Index: bi, dir: dir}, nil
}

func restore(r io.Reader, path string) (bleve.Index, error) {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) || h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("unexpected entry %q in the archive", h.Name)
		}
		target := filepath.Join(path, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return bleve.OpenUsing(path, map[string]any{"unsafe_batch": true})
}

// directory is where bleve's online copy writes its files: real files, as its copy of the root
// file is opened as a database.
type directory string

func (d directory) GetWriter(name string) (io.WriteCloser, error) {
	name = filepath.FromSlash(strings.TrimPrefix(name, "/"))
	if !filepath.IsLocal(name) {
		return nil, fmt.Errorf("copy of %q leaves the directory", name)
	}
	target := filepath.Join(string(d), name)
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return nil, err
	}
	return os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
}

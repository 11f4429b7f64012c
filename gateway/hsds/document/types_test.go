package document

import "testing"

func TestNewPage(t *testing.T) {
	tests := []struct {
		name                       string
		n, page, perPage, total    int
		wantPages                  int
		wantFirst, wantLast, empty bool
	}{
		{"nothing", 0, 1, 50, 0, 0, true, true, true},
		{"one partial page", 3, 1, 50, 3, 1, true, true, false},
		{"first of three", 2, 1, 2, 5, 3, true, false, false},
		{"last of three", 1, 3, 2, 5, 3, false, true, false},
		{"past the end", 0, 9, 2, 5, 3, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPage(make([]int, tt.n), tt.page, tt.perPage, tt.total)
			if p.TotalPages != tt.wantPages || p.FirstPage != tt.wantFirst || p.LastPage != tt.wantLast ||
				p.Empty != tt.empty || p.Size != tt.n || p.TotalItems != tt.total || p.PageNumber != tt.page {
				t.Errorf("got %+v", p)
			}
			if p.Contents == nil {
				t.Error("contents is nil; HSDS wants an array")
			}
		})
	}
}

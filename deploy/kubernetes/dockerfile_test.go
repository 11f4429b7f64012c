package kubernetes

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

const (
	dockerfilePath = repoRoot + "/deploy/Dockerfile"
	runtimeImage   = "gcr.io/distroless/static-debian12:nonroot"
)

// A dockerStage is one FROM of the Dockerfile and the instructions under it, continuation
// lines joined.
type dockerStage struct {
	name, base string
	lines      []string
}

var fromLine = regexp.MustCompile(`(?i)^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$`)

func parseDockerfile(t *testing.T) []dockerStage {
	t.Helper()
	data, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	var (
		stages []dockerStage
		joined string
	)
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && joined == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			joined += cont + " "
			continue
		}
		line, joined = joined+line, ""
		if m := fromLine.FindStringSubmatch(line); m != nil {
			stages = append(stages, dockerStage{name: m[2], base: m[1]})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %q before the first FROM", dockerfilePath, line)
		}
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, strings.Join(strings.Fields(line), " "))
	}
	return stages
}

// dockerStages returns the names of the Dockerfile's stages, the targets of docker build.
func dockerStages(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, s := range parseDockerfile(t) {
		names = append(names, s.name)
	}
	return names
}

// TestDockerfile: every command under */cmd/ is built statically and has an image stage of its
// own, named after it, on the distroless nonroot base, running it.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t)
	var builds []string
	for _, s := range stages {
		for _, l := range s.lines {
			if strings.Contains(l, "go build") {
				builds = append(builds, l)
			}
		}
	}
	if len(builds) == 0 {
		t.Fatalf("%s: no go build", dockerfilePath)
	}
	for _, b := range builds {
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags='-s -w'", "--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
			if !strings.Contains(b, want) {
				t.Errorf("%s: %q lacks %s", dockerfilePath, b, want)
			}
		}
	}

	for name, dir := range binaries(t) {
		if !strings.Contains(strings.Join(builds, "\n"), " ./"+dir+" ") && !strings.HasSuffix(strings.Join(builds, "\n"), " ./"+dir) {
			t.Errorf("%s: no go build of ./%s", dockerfilePath, dir)
		}
		var stage *dockerStage
		for i := range stages {
			if stages[i].name == name {
				stage = &stages[i]
			}
		}
		if stage == nil {
			t.Errorf("%s: no stage %q for ./%s", dockerfilePath, name, dir)
			continue
		}
		if stage.base != runtimeImage {
			t.Errorf("%s: stage %s is FROM %s, want %s", dockerfilePath, name, stage.base, runtimeImage)
		}
		body := strings.Join(stage.lines, "\n")
		if !regexp.MustCompile(`(?m)^COPY --from=\S+ /out/` + regexp.QuoteMeta(name) + ` `).MatchString(body) {
			t.Errorf("%s: stage %s copies no built %s", dockerfilePath, name, name)
		}
		if !regexp.MustCompile(`(?m)^ENTRYPOINT \["\S*/` + regexp.QuoteMeta(name) + `"\]`).MatchString(body) {
			t.Errorf("%s: stage %s does not run %s", dockerfilePath, name, name)
		}
		if strings.Contains(body, "USER root") {
			t.Errorf("%s: stage %s runs as root", dockerfilePath, name)
		}
	}
}

// TestDockerignore: the build context keeps what the build needs.
func TestDockerignore(t *testing.T) {
	data, err := os.ReadFile(repoRoot + "/.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.Trim(strings.TrimSpace(line), "/")
		for _, needed := range []string{"go.mod", "go.sum", "services", "gateway", "proto", "*", "**"} {
			if line == needed {
				t.Errorf(".dockerignore leaves out %s, which the build needs", needed)
			}
		}
	}
}

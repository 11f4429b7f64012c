package kubernetes

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The parts of a compose file this test reads; compose has many more, which it ignores.
type composeFile struct {
	Services map[string]composeService `json:"services"`
}

type composeService struct {
	Image   string   `json:"image"`
	Command []string `json:"command"`
	Build   *struct {
		Context    string `json:"context"`
		Dockerfile string `json:"dockerfile"`
		Target     string `json:"target"`
	} `json:"build"`
	Deploy struct {
		Replicas *int `json:"replicas"`
	} `json:"deploy"`
	DependsOn map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Environment map[string]string `json:"environment"`
	Healthcheck *struct {
		Test []string `json:"test"`
	} `json:"healthcheck"`
	ReadOnly bool     `json:"read_only"`
	CapDrop  []string `json:"cap_drop"`
}

const composePath = repoRoot + "/deploy/compose/compose.yaml"

func TestCompose(t *testing.T) {
	data, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", composePath, err)
	}
	stages := dockerStages(t)

	// The replica set: members running mongod --replSet rs0, each with a health check.
	var members []string
	for _, name := range sortedKeys(f.Services) {
		s := f.Services[name]
		if !strings.HasPrefix(s.Image, "mongo:") || !slices.Contains(s.Command, "mongod") {
			continue
		}
		if s.Image != "mongo:8" {
			t.Errorf("%s: image %s, want mongo:8", name, s.Image)
		}
		if i := slices.Index(s.Command, "--replSet"); i < 0 || i+1 >= len(s.Command) || s.Command[i+1] != "rs0" {
			t.Errorf("%s: command %v does not join the replica set rs0", name, s.Command)
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
		members = append(members, name)
	}
	if len(members) != 3 {
		t.Fatalf("replica set members %v, want three", members)
	}

	// The one-shot that initiates the set once every member is healthy.
	var initiator string
	for _, name := range sortedKeys(f.Services) {
		s := f.Services[name]
		if !strings.Contains(strings.Join(s.Command, " "), "rs.initiate") {
			continue
		}
		initiator = name
		for _, m := range members {
			if s.DependsOn[m].Condition != "service_healthy" {
				t.Errorf("%s starts before %s is healthy", name, m)
			}
			if !strings.Contains(strings.Join(s.Command, " "), m+":27017") {
				t.Errorf("%s: rs.initiate leaves out %s", name, m)
			}
		}
	}
	if initiator == "" {
		t.Fatal("no service runs rs.initiate")
	}

	databases := map[string]string{}
	seen := map[string]bool{}
	for _, name := range sortedKeys(f.Services) {
		s := f.Services[name]
		if s.Build == nil {
			continue
		}
		where := composePath + ": " + name
		target := s.Build.Target
		if !slices.Contains(stages, target) {
			t.Errorf("%s: build target %q is not a stage of deploy/Dockerfile", where, target)
		}
		if filepath.Clean(filepath.Join(filepath.Dir(composePath), s.Build.Context, s.Build.Dockerfile)) != filepath.Clean(dockerfilePath) {
			t.Errorf("%s: builds %s/%s, not deploy/Dockerfile from the repository root", where, s.Build.Context, s.Build.Dockerfile)
		}
		if !strings.HasPrefix(s.Image, imagePrefix+target+":") {
			t.Errorf("%s: image %q, want %s%s:<tag>", where, s.Image, imagePrefix, target)
		}
		srv, ok := serverNamed(target)
		if !ok {
			t.Errorf("%s: %s is no server binary", where, target)
			continue
		}
		seen[target] = true
		checkEnvNames(t, where, srv, s.Environment)
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: want read_only and cap_drop ALL", where)
		}
		for dep := range s.DependsOn {
			if _, ok := f.Services[dep]; !ok {
				t.Errorf("%s: depends on %s, which is not a service", where, dep)
			}
		}

		vars := srv.vars(t)
		if _, usesDB := vars["MONGODB_URI"]; usesDB {
			if s.Deploy.Replicas == nil || *s.Deploy.Replicas != 2 {
				t.Errorf("%s: replicas %s, want 2", where, show(s.Deploy.Replicas))
			}
			if s.DependsOn[initiator].Condition != "service_completed_successfully" {
				t.Errorf("%s: starts before %s has made the replica set", where, initiator)
			}
			checkReplicaSetURI(t, where, s.Environment["MONGODB_URI"], members)
			db := effective(t, srv, s.Environment)[envByFlag(t, vars, "database")]
			if other, dup := databases[db]; dup {
				t.Errorf("%s: database %s is also %s's", where, db, other)
			}
			databases[db] = name
		}

		// Every address it dials is a compose service running that binary, on its listen port.
		for binary, addr := range peers(t, srv, s.Environment) {
			host, port, err := net.SplitHostPort(addr)
			peer, ok := f.Services[host]
			if err != nil || !ok || peer.Build == nil || peer.Build.Target != binary {
				t.Errorf("%s: dials %s at %q, which is not the compose service running it", where, binary, addr)
				continue
			}
			if want := listenPort(t, mustServer(t, binary), peer.Environment); port != want {
				t.Errorf("%s: dials %s on port %s, but it listens on %s", where, binary, port, want)
			}
		}
	}
	for _, s := range servers {
		if !seen[s.name] {
			t.Errorf("%s: no service runs %s", composePath, s.name)
		}
	}
}

// checkReplicaSetURI: the connection string names every member and the set.
func checkReplicaSetURI(t *testing.T, where, uri string, members []string) {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "mongodb" {
		t.Errorf("%s: MONGODB_URI %q is not a mongodb:// URI", where, uri)
		return
	}
	var hosts []string
	for _, h := range strings.Split(u.Host, ",") {
		host, _, err := net.SplitHostPort(h)
		if err != nil {
			host = h
		}
		hosts = append(hosts, host)
	}
	slices.Sort(hosts)
	if !slices.Equal(hosts, members) {
		t.Errorf("%s: MONGODB_URI names %v, want the members %v", where, hosts, members)
	}
	if u.Query().Get("replicaSet") != "rs0" {
		t.Errorf("%s: MONGODB_URI %q does not name replicaSet=rs0", where, uri)
	}
}

func mustServer(t *testing.T, name string) server {
	t.Helper()
	s, ok := serverNamed(name)
	if !ok {
		t.Fatalf("no server %s", name)
	}
	return s
}

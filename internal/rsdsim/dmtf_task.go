package rsdsim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// A composition answered as a task (Config.ComposeTask), as DSP0266's asynchronous operations
// go. POST /Systems checks the request at once (its 400s are immediate) and composes at once
// when the blocks are free, so that the system, with the request's Description, exists for a
// client that loses the answer; it answers 202 Accepted with the task monitor in Location,
// Retry-After and the Task. Until the task ends, a GET of the monitor answers the same; after
// it, the composition's own answer: 201 with the system's Location, or the refusal the blocks
// gave (409 ResourceInUse or ResourceExhaustion), which the Task (TaskService/Tasks/<n>) also
// carries in its Messages with TaskState Exception.

const (
	taskServicePath  = rootPath + "/TaskService"
	tasksPath        = taskServicePath + "/Tasks"
	taskMonitorsPath = taskServicePath + "/TaskMonitors"
	// maxTasks bounds the tasks kept; the oldest is forgotten first.
	maxTasks = 1024
)

// task is one composition answered as a task.
type task struct {
	id         string
	start, end time.Time
	system     *composedSystem // nil when the blocks refused
	refusal    *apiError
}

func (t *task) monitor() string { return taskMonitorsPath + "/" + t.id }

// startTask records the task of a composition that made c or was refused with e; the caller
// holds s.mu.
func (s *Simulator) startTask(c *composedSystem, e *apiError) *task {
	p := s.dmtf
	p.taskSeq++
	now := s.cfg.Now()
	t := &task{id: strconv.Itoa(p.taskSeq), start: now, end: now.Add(s.cfg.ComposeTask), system: c, refusal: e}
	if p.tasks == nil {
		p.tasks = map[string]*task{}
	}
	p.tasks[t.id] = t
	p.taskOrder = append(p.taskOrder, t.id)
	if len(p.taskOrder) > maxTasks {
		delete(p.tasks, p.taskOrder[0])
		p.taskOrder = p.taskOrder[1:]
	}
	return t
}

// taskDoc renders the Task as it stands at now.
func taskDoc(t *task, now time.Time) obj {
	d := resource(tasksPath+"/"+t.id, "#Task.v1_7_0.Task", t.id, "Composition task "+t.id)
	d["TaskMonitor"] = t.monitor()
	d["StartTime"] = t.start.UTC().Format(time.RFC3339)
	d["Messages"] = []extendedInfo{}
	switch {
	case now.Before(t.end):
		d["TaskState"], d["TaskStatus"] = "Running", "OK"
		d["PercentComplete"] = int(100 * now.Sub(t.start) / max(t.end.Sub(t.start), 1))
		return d
	case t.refusal != nil:
		d["TaskState"], d["TaskStatus"] = "Exception", "Critical"
		d["Messages"] = t.refusal.extended
	default:
		d["TaskState"], d["TaskStatus"] = "Completed", "OK"
		d["Links"] = obj{"CreatedResources": links([]string{t.system.path()})}
	}
	d["PercentComplete"] = 100
	d["EndTime"] = t.end.UTC().Format(time.RFC3339)
	return d
}

// taskByID returns the task of a monitor or Task path, or a 404.
func (s *Simulator) taskByID(r *http.Request, id string) (*task, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.dmtf.tasks[id]; t != nil {
		return t, nil
	}
	return nil, errNotFound(r.URL.Path)
}

// serveTaskMonitor answers for a task's monitor: 202 with Retry-After and the Task while it
// runs, then the composition's answer.
func (s *Simulator) serveTaskMonitor(w http.ResponseWriter, r *http.Request, t *task) *apiError {
	now := s.cfg.Now()
	if now.Before(t.end) {
		h := w.Header()
		h.Set("Location", t.monitor())
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(t.end.Sub(now).Seconds()))))
		serveDoc(w, r, http.StatusAccepted, render(t.monitor(), taskDoc(t, now)))
		return nil
	}
	if t.refusal != nil {
		return t.refusal
	}
	w.Header().Set("Location", t.system.path())
	d := s.lookup(t.system.path())
	if d == nil { // decomposed since: the Task says what was made
		serveDoc(w, r, http.StatusCreated, render(t.monitor(), taskDoc(t, now)))
		return nil
	}
	serveDoc(w, r, http.StatusCreated, d)
	return nil
}

// getTaskMonitor serves GET of a task monitor.
func (s *Simulator) getTaskMonitor(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	t, e := s.taskByID(r, params[0])
	if e != nil {
		return e
	}
	return s.serveTaskMonitor(w, r, t)
}

// getTask serves GET of a Task.
func (s *Simulator) getTask(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	t, e := s.taskByID(r, params[0])
	if e != nil {
		return e
	}
	serveDoc(w, r, http.StatusOK, render(r.URL.Path, taskDoc(t, s.cfg.Now())))
	return nil
}

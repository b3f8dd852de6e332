package ui

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/valence-rsd/valence/api"
)

// volumeSections lays out the volume form: a choice of the pod managers,
// of the storage services the listed volumes are on, and of the volumes to
// copy.
func volumeSections(podms []api.PodManager, volumes []api.Storage) []formSection {
	pms := []option{{"", "Choose…"}}
	for _, pm := range podms {
		pms = append(pms, option{pm.UUID, pm.Name})
	}
	services := []option{{"", "Any"}}
	for _, s := range storageServices(volumes) {
		services = append(services, option{s, s})
	}
	sources := []option{{"", "None (empty)"}}
	for _, v := range volumes {
		sources = append(sources, option{v.ID, fmt.Sprintf("%s (%g GiB)", cmp.Or(v.Name, v.ID), v.CapacityGiB)})
	}
	return []formSection{{Legend: "Volume", Fields: []fieldSpec{
		{Name: "podm_id", Label: "Pod manager", Type: "select", Options: pms},
		{Name: "storage_service", Label: "Storage service", Type: "select", Options: services},
		{Name: "capacity_gib", Label: "Capacity (GiB)", Type: "number"},
		{Name: "name", Label: "Name", Type: "text"},
		{Name: "bootable", Label: "Bootable", Type: "checkbox"},
		{Name: "source", Label: "Copy of", Type: "select", Options: sources},
	}}}
}

// storageServices are the distinct storage services of volumes, sorted.
func storageServices(volumes []api.Storage) []string {
	var out []string
	for _, v := range volumes {
		if v.StorageService != "" {
			out = append(out, v.StorageService)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parseVolume reads the volume form of p; the fields that cannot be read
// get their message in p.Errors.
func parseVolume(p *page) api.StorageCreate {
	return api.StorageCreate{
		PodmID:         formText(p, "podm_id"),
		StorageService: formText(p, "storage_service"),
		CapacityGiB:    flexInt(p, "capacity_gib"),
		Name:           formText(p, "name"),
		Bootable:       formText(p, "bootable") == "true",
		Source:         formText(p, "source"),
	}
}

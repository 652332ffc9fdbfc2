#include "viz/cgraph_support.h"

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <stdexcept>

namespace kvr::viz {

namespace {

// ID discipline that hands out 1, 2, 3, ... in creation order and keeps the names itself.
// cgraph orders subgraphs and nodes by ID when it writes or lays out a graph, so the
// default discipline (IDs from memory addresses) would make the output vary from run to
// run. Keeping names here, rather than in cgraph's internal map, also makes agnameof()
// return them to the SVG renderer.
struct SequentialIds {
  Agraph_t* root = nullptr;
  IDTYPE next = 1;
  std::map<std::pair<int, std::string>, IDTYPE> byName;
  // Names as cgraph reference strings: cgraph reads flags (such as "this is an HTML
  // label") stored just before the characters, so a plain std::string would not do.
  std::map<std::pair<int, IDTYPE>, char*> byId;
};

// Edges are looked up under either of their two object types.
int nameSpace(int objectType) { return objectType == AGINEDGE ? AGOUTEDGE : objectType; }

void* openIds(Agraph_t* root, Agdisc_t*) {
  auto* ids = new SequentialIds;
  ids->root = root;
  return ids;
}

long mapId(void* state, int objectType, char* name, IDTYPE* id, int createFlag) {
  auto* ids = static_cast<SequentialIds*>(state);
  int space = nameSpace(objectType);
  if (name != nullptr) {
    auto found = ids->byName.find({space, name});
    if (found != ids->byName.end()) {
      *id = found->second;
      return 1;
    }
  }
  if (createFlag == 0) return 0;
  *id = ids->next++;
  if (name != nullptr) {
    ids->byName[{space, name}] = *id;
    ids->byId[{space, *id}] = agstrdup(ids->root, name);
  }
  return 1;
}

long allocateId(void*, int, IDTYPE) { return 0; }
void freeId(void*, int, IDTYPE) {}

char* printId(void* state, int objectType, IDTYPE id) {
  auto* ids = static_cast<SequentialIds*>(state);
  auto found = ids->byId.find({nameSpace(objectType), id});
  return found == ids->byId.end() ? nullptr : found->second;
}

// The reference strings belong to the graph's string dictionary, which agclose() frees.
void closeIds(void* state) { delete static_cast<SequentialIds*>(state); }
void registerId(void*, int, void*) {}

Agiddisc_t sequentialIdDiscipline = {openIds, mapId, allocateId, freeId, printId, closeIds, registerId};

// agwrite passes the std::string given to writeDot as its channel.
int appendToString(void* channel, const char* text) {
  static_cast<std::string*>(channel)->append(text);
  return 0;
}
int flushNothing(void*) { return 0; }

Agiodisc_t stringOutputDiscipline = {AgIoDisc.afread, appendToString, flushNothing};

Agdisc_t mapDiscipline = {&AgMemDisc, &sequentialIdDiscipline, &stringOutputDiscipline};

}  // namespace

GraphHandle openDirectedGraph(const std::string& name) {
  GraphHandle graph{agopen(cgraphText(name), Agdirected, &mapDiscipline)};
  if (!graph) {
    throw std::runtime_error("Graphviz failed to create graph \"" + name + "\"");
  }
  return graph;
}

std::string writeDot(Agraph_t* graph) {
  std::string text;
  if (agwrite(graph, &text) == EOF) {
    throw std::runtime_error("Graphviz failed to write the graph as DOT");
  }
  return text;
}

void declareAttribute(Agraph_t* root, int kind, const char* name, const std::string& fallback) {
  agattr(root, kind, cgraphText(name), cgraphText(fallback));
}

void setAttribute(void* object, const char* name, const std::string& value) {
  if (agset(object, cgraphText(name), cgraphText(value)) != 0) {
    throw std::logic_error(std::string("Graphviz attribute \"") + name + "\" is not declared");
  }
}

}  // namespace kvr::viz

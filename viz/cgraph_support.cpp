#include "viz/cgraph_support.h"

#include <cstdio>
#include <stdexcept>

namespace kvr::viz {

namespace {

// ID discipline that hands out 1, 3, 5, ... in creation order for every object, named or
// not. Its map() declines named objects, so cgraph stores their names in its own
// internal name map and then requests an anonymous ID. Odd values match the anonymous
// IDs of the default discipline.
struct SequentialIds {
  IDTYPE next = 1;
};

void* openIds(Agraph_t*, Agdisc_t*) { return new SequentialIds; }

long mapId(void* state, int, char* name, IDTYPE* id, int createFlag) {
  if (name != nullptr || createFlag == 0) {
    return 0;
  }
  auto* ids = static_cast<SequentialIds*>(state);
  *id = ids->next;
  ids->next += 2;
  return 1;
}

long allocateId(void*, int, IDTYPE) { return 0; }
void freeId(void*, int, IDTYPE) {}
char* printId(void*, int, IDTYPE) { return nullptr; }
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

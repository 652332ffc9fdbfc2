#pragma once

// Thin C++ layer over Graphviz's cgraph and gvc C APIs: ownership of graphs and
// contexts, a deterministic graph constructor, and DOT output to a string. Internal to
// viz/.

#include <memory>
#include <string>

#include <cgraph.h>
#include <gvc.h>

namespace kvr::viz {

// Returns the text as the char* that cgraph's C API takes. cgraph copies every string
// it is given and never writes through these pointers.
inline char* cgraphText(const char* text) { return const_cast<char*>(text); }
inline char* cgraphText(const std::string& text) { return const_cast<char*>(text.c_str()); }

struct GraphCloser {
  void operator()(Agraph_t* graph) const { agclose(graph); }
};
using GraphHandle = std::unique_ptr<Agraph_t, GraphCloser>;

struct ContextCloser {
  void operator()(GVC_t* context) const { gvFreeContext(context); }
};
using ContextHandle = std::unique_ptr<GVC_t, ContextCloser>;

// Opens an empty directed graph whose objects get IDs in creation order. With cgraph's
// default discipline the ID of a named object is the address of its name string, and
// agwrite emits subgraphs in ID order, so subgraph order would follow heap addresses.
GraphHandle openDirectedGraph(const std::string& name);

// Serialises the graph as DOT text. Throws std::runtime_error when agwrite fails.
std::string writeDot(Agraph_t* graph);

// Declares an attribute on the root graph with its default value for every object of
// that kind (AGRAPH, AGNODE or AGEDGE).
void declareAttribute(Agraph_t* root, int kind, const char* name, const std::string& fallback);

// Sets a declared attribute. Throws std::logic_error for an undeclared name.
void setAttribute(void* object, const char* name, const std::string& value);

}  // namespace kvr::viz

#include "node/standard_views.h"

#include "console/audit.h"
#include "fleet/node_status_view.h"
#include "messaging/answer_view.h"
#include "messaging/delivery_report.h"
#include "messaging/message_view.h"
#include "node/enrollment.h"
#include "registry/correction_view.h"
#include "registry/registry_view.h"
#include "node/peer_frontier.h"

namespace mhero {

std::vector<std::unique_ptr<View>> make_standard_views() {
  std::vector<std::unique_ptr<View>> views;
  views.push_back(std::make_unique<EnrollmentView>());
  views.push_back(std::make_unique<registry::RegistryView>());
  views.push_back(std::make_unique<registry::CorrectionView>());
  views.push_back(std::make_unique<MessageView>());
  views.push_back(std::make_unique<ReceiptView>());
  views.push_back(std::make_unique<console::AuditView>());
  views.push_back(std::make_unique<fleet::NodeStatusView>());
  views.push_back(std::make_unique<AnswerView>());
  views.push_back(std::make_unique<DeliveryView>());
  return views;
}

}  // namespace mhero

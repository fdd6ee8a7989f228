"""The official PyTorch examples' image programs as miniatures, run with torch and with fgrad_nn.

mnist (conv net, Adadelta, StepLR), mnist_forward_forward, vae, dcgan, fast_neural_style; see
program_harness.py for how each is run and compared. Sizes are tiny and dropout is 0 (its masks
come from each library's own generator).
"""
import collections

import pytest

from program_harness import compare, reinit, rng, state


def mnist(torch):
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    from_lib = torch.optim.lr_scheduler

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 6, 3, 1)
            self.dropout1 = nn.Dropout(0.0)
            self.dropout2 = nn.Dropout(0.0)
            self.fc1 = nn.Linear(54, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    g = rng()
    images = torch.tensor(g.random((8, 1, 10, 10)))
    labels = torch.tensor(g.integers(0, 10, 8))
    dataset = torch.utils.data.TensorDataset(images, labels)
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=4, shuffle=False)
    test_loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    model = reinit(torch, Net())
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = from_lib.StepLR(optimizer, step_size=1, gamma=0.7)
    losses, tests = [], []
    for epoch in range(1, 3):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        tests.append((test_loss / len(test_loader.dataset), correct))
        scheduler.step()
    return {"losses": losses, "tests": tests, "lr": scheduler.get_last_lr(), "state": state(model),
            "scheduler": {k: v for k, v in scheduler.state_dict().items()}}


def mnist_forward_forward(torch):
    nn = torch.nn
    Adam = torch.optim.Adam

    def overlay_y_on_x(x, y):
        x_ = x.clone()
        x_[:, :10] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    class Layer(nn.Linear):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)
            self.relu = torch.nn.ReLU()
            self.opt = None
            self.threshold = 2.0
            self.num_epochs = 3

        def forward(self, x):
            x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
            return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

        def train(self, x_pos, x_neg):
            for i in range(self.num_epochs):
                g_pos = self.forward(x_pos).pow(2).mean(1)
                g_neg = self.forward(x_neg).pow(2).mean(1)
                loss = torch.log(1 + torch.exp(torch.cat([-g_pos + self.threshold, g_neg - self.threshold]))).mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            return self.forward(x_pos).detach(), self.forward(x_neg).detach()

    class Net(torch.nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.layers = []
            for d in range(len(dims) - 1):
                layer = reinit(torch, Layer(dims[d], dims[d + 1]), seed=d)
                layer.opt = Adam(layer.parameters(), lr=0.03)
                self.layers += [layer]

        def predict(self, x):
            goodness_per_label = []
            for label in range(10):
                h = overlay_y_on_x(x, label)
                goodness = []
                for layer in self.layers:
                    h = layer(h)
                    goodness += [h.pow(2).mean(1)]
                goodness_per_label += [sum(goodness).unsqueeze(1)]
            goodness_per_label = torch.cat(goodness_per_label, 1)
            return goodness_per_label.argmax(1)

        def train(self, x_pos, x_neg):
            h_pos, h_neg = x_pos, x_neg
            for i, layer in enumerate(self.layers):
                h_pos, h_neg = layer.train(h_pos, h_neg)

    g = rng()
    x = torch.tensor(g.random((6, 16)))
    y = torch.tensor(g.integers(0, 10, 6))
    net = Net([16, 8, 8])
    x_pos = overlay_y_on_x(x, y)
    rnd = torch.tensor(g.permutation(6))
    x_neg = overlay_y_on_x(x, y[rnd])
    net.train(x_pos, x_neg)
    error = 1.0 - net.predict(x).eq(y).float().mean().item()
    return {"error": error, "params": [state(layer) for layer in net.layers], "goodness": net.predict(x)}


def vae(torch):
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    g = rng()

    class VAE(nn.Module):
        def __init__(self):
            super(VAE, self).__init__()
            self.fc1 = nn.Linear(36, 12)
            self.fc21 = nn.Linear(12, 3)
            self.fc22 = nn.Linear(12, 3)
            self.fc3 = nn.Linear(3, 12)
            self.fc4 = nn.Linear(12, 36)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            assert tuple(torch.randn_like(std).shape) == tuple(std.shape)
            eps = torch.tensor(g.standard_normal(tuple(std.shape)))  # randn_like(std), drawn from NumPy
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 36))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 36), reduction='sum')
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    model = reinit(torch, VAE())
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    data = torch.tensor(g.random((8, 1, 6, 6)))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, torch.zeros(8)), batch_size=4)
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        recon_batch, mu, logvar = model(data)
        test_loss = loss_function(recon_batch, data, mu, logvar).item()
        comparison = torch.cat([data[:2], recon_batch.view(4, 1, 6, 6)[:2]])
        sample = model.decode(torch.tensor(g.standard_normal((5, 3)))).cpu()
    return {"train_loss": train_loss, "test_loss": test_loss, "comparison": comparison,
            "sample": sample.view(5, 1, 6, 6), "state": state(model)}


def dcgan(torch):
    nn, optim = torch.nn, torch.optim
    nz, ngf, ndf, nc = 4, 2, 2, 3

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            torch.nn.init.normal_(m.weight, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            torch.nn.init.normal_(m.weight, 1.0, 0.02)
            torch.nn.init.zeros_(m.bias)

    class Generator(nn.Module):
        def __init__(self):
            super(Generator, self).__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
                nn.Tanh()
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super(Discriminator, self).__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid()
            )

        def forward(self, input):
            output = self.main(input)
            return output.view(-1, 1).squeeze(1)

    g = rng()
    netG = Generator()
    netG.apply(weights_init)
    reinit(torch, netG, seed=1, norms=True)  # weights_init drew from torch's generator
    netD = Discriminator()
    netD.apply(weights_init)
    reinit(torch, netD, seed=2, norms=True)
    criterion = nn.BCELoss()
    fixed_noise = torch.tensor(g.standard_normal((2, nz, 1, 1)))
    real_label = 1
    fake_label = 0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    images = torch.tensor(g.uniform(-1, 1, (4, nc, 16, 16)))
    dataloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.zeros(4)), batch_size=2)
    log = []
    for epoch in range(1):
        for i, data in enumerate(dataloader, 0):
            netD.zero_grad()
            real_cpu = data[0]
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()
            noise = torch.tensor(g.standard_normal((batch_size, nz, 1, 1)))
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()
            log.append('[%d][%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                       % (epoch, i, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
            log.append((errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    fake = netG(fixed_noise).detach()
    return {"log": log, "fake": fake, "G": state(netG), "D": state(netD)}


def fast_neural_style(torch):
    nn = torch.nn

    class ConvLayer(torch.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride):
            super(ConvLayer, self).__init__()
            reflection_padding = kernel_size // 2
            self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
            self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            out = self.reflection_pad(x)
            out = self.conv2d(out)
            return out

    class ResidualBlock(torch.nn.Module):
        def __init__(self, channels):
            super(ResidualBlock, self).__init__()
            self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
            self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
            self.relu = torch.nn.ReLU()

        def forward(self, x):
            residual = x
            out = self.relu(self.in1(self.conv1(x)))
            out = self.in2(self.conv2(out))
            out = out + residual
            return out

    class UpsampleConvLayer(torch.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
            super(UpsampleConvLayer, self).__init__()
            self.upsample = upsample
            reflection_padding = kernel_size // 2
            self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
            self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            x_in = x
            if self.upsample:
                x_in = torch.nn.functional.interpolate(x_in, mode='nearest', scale_factor=self.upsample)
            out = self.reflection_pad(x_in)
            out = self.conv2d(out)
            return out

    class TransformerNet(torch.nn.Module):
        def __init__(self):
            super(TransformerNet, self).__init__()
            self.conv1 = ConvLayer(3, 4, kernel_size=5, stride=1)
            self.in1 = torch.nn.InstanceNorm2d(4, affine=True)
            self.conv2 = ConvLayer(4, 6, kernel_size=3, stride=2)
            self.in2 = torch.nn.InstanceNorm2d(6, affine=True)
            self.res1 = ResidualBlock(6)
            self.deconv1 = UpsampleConvLayer(6, 4, kernel_size=3, stride=1, upsample=2)
            self.in4 = torch.nn.InstanceNorm2d(4, affine=True)
            self.deconv3 = ConvLayer(4, 3, kernel_size=5, stride=1)
            self.relu = torch.nn.ReLU()

        def forward(self, X):
            y = self.relu(self.in1(self.conv1(X)))
            y = self.relu(self.in2(self.conv2(y)))
            y = self.res1(y)
            y = self.relu(self.in4(self.deconv1(y)))
            y = self.deconv3(y)
            return y

    class Vgg16(torch.nn.Module):
        def __init__(self, requires_grad=False):
            super(Vgg16, self).__init__()
            self.slice1 = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True))
            self.slice2 = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=2), nn.Conv2d(4, 6, 3, padding=1),
                                        nn.ReLU(inplace=True))
            if not requires_grad:
                for param in self.parameters():
                    param.requires_grad = False

        def forward(self, X):
            h = self.slice1(X)
            h_relu1_2 = h
            h = self.slice2(h)
            h_relu2_2 = h
            vgg_outputs = collections.namedtuple("VggOutputs", ['relu1_2', 'relu2_2'])
            out = vgg_outputs(h_relu1_2, h_relu2_2)
            return out

    def gram_matrix(y):
        (b, ch, h, w) = y.size()
        features = y.view(b, ch, w * h)
        features_t = features.transpose(1, 2)
        gram = features.bmm(features_t) / (ch * h * w)
        return gram

    def normalize_batch(batch):
        mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
        std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
        batch = batch.div_(255.0)
        return (batch - mean) / std

    g = rng()
    transformer = reinit(torch, TransformerNet(), seed=1)
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-3)
    mse_loss = torch.nn.MSELoss()
    vgg = reinit(torch, Vgg16(requires_grad=False), seed=2)
    style = torch.tensor(g.uniform(0, 255, (1, 3, 8, 8))).repeat(2, 1, 1, 1)
    features_style = vgg(normalize_batch(style))
    gram_style = [gram_matrix(y) for y in features_style]
    content_weight, style_weight = 1e5, 1e10
    train = torch.tensor(g.uniform(0, 255, (4, 3, 8, 8)))
    train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train, torch.zeros(4)), batch_size=2)
    transformer.train()
    losses = []
    for batch_id, (x, _) in enumerate(train_loader):
        n_batch = len(x)
        optimizer.zero_grad()
        y = transformer(x)
        y = normalize_batch(y)
        x = normalize_batch(x)
        features_y = vgg(y)
        features_x = vgg(x)
        content_loss = content_weight * mse_loss(features_y.relu2_2, features_x.relu2_2)
        style_loss = 0.
        for ft_y, gm_s in zip(features_y, gram_style):
            gm_y = gram_matrix(ft_y)
            style_loss += mse_loss(gm_y, gm_s[:n_batch, :, :])
        style_loss *= style_weight
        total_loss = content_loss + style_loss
        total_loss.backward()
        optimizer.step()
        losses.append((content_loss.item(), style_loss.item()))
    with torch.no_grad():
        output = transformer(train[:1]).clamp(0, 255)
    # A per-channel constant that an InstanceNorm removes has no effect on the loss: the biases of the
    # convolutions before one, and the residual block's last bias (the upsampling convolution carries it
    # to in4), get gradients of rounding noise, which Adam scales up to a full step; they are left out.
    normalized = ("conv1.conv2d.bias", "conv2.conv2d.bias", "res1.conv1.conv2d.bias", "res1.conv2.conv2d.bias",
                  "deconv1.conv2d.bias", "res1.in2.bias")
    kept = {k: v for k, v in state(transformer).items() if k not in normalized}
    return {"losses": losses, "output": output, "state": kept, "gram": gram_style}


PROGRAMS = [mnist, mnist_forward_forward, vae, dcgan, fast_neural_style]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program(program):
    compare(program)
